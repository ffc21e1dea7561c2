"""Maps made from maps: drill into a selection, add new images to the current layout."""
