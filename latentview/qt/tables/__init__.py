"""Open Embeddings: the dialog, the opener, the Table dock."""
