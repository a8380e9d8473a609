"""What the app ships besides code: teaching prose (``labs/<lab>/*.md``), word lists (``words/``) and,
beside them, icons and the desktop entry.

Instructors may edit these files; the app reads them with :mod:`importlib.resources` (see
:mod:`engine.prose`), so an installed wheel finds them too. No Python here but this docstring.
"""
