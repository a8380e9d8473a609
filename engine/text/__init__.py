"""Text processing for the text-CNN lab: the assignment's preprocessing steps, the named-entity
chunkers, corpus loading and splitting, length analysis and embedding files.

Nothing in this package imports TensorFlow: the GUI's pipeline explorer uses it before TF is loaded.
"""
