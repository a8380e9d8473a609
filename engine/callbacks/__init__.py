"""Keras callbacks, one public class per file named after it.

Modules here import Keras at import time, so import them only inside a lab's ``run``; the one
exception is :mod:`engine.callbacks.rules`, the decisions as plain functions.
"""
