"""The Practice tab (added to every lab by the training-lab base): editor, grading, results."""

from gui.widgets.practice.practice_tab import PracticeTab, practice_file

__all__ = ["PracticeTab", "practice_file"]
