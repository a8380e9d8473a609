"""pyqtgraph helpers; importing this package gives pyqtgraph the current theme's colours."""

from gui.theme import configure_pyqtgraph

configure_pyqtgraph()
