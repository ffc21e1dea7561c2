"""Pipelines as generator functions: they yield Progress/Partial/Log and return a result.

The Qt task runner and the CLI drive the same generators; `drive` is the CLI's loop.
"""
