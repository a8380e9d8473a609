"""Keras callbacks, one public class per file named after it.

Modules here import Keras at import time, so import them only inside a lab's ``run``.
"""
