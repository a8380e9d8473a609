"""The embedding store under the Run button: how many reviews are stored and their size, and "Clear".

Extraction reads every review it can from the store and adds each batch it computes, so the numbers
grow while a run extracts and a larger sample only embeds the new reviews. Clearing deletes the vectors
(after a confirmation: 100,000 reviews take minutes to embed again); it is off while a job runs.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QPushButton, QWidget

from engine import caches
from engine.labs.bert import store

CACHE = store.EMBEDDINGS_CACHE.name


class StoreBar(QWidget):
    """The store's size with a Clear button."""

    sig_cleared = Signal(str)
    """The store was cleared: what was freed, for the message bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setObjectName("embeddingStoreSize")
        self.label.setWordWrap(True)
        self.clear_button = QPushButton("Clear…")
        self.clear_button.setObjectName("clearEmbeddingStore")
        self.clear_button.setToolTip(
            "Delete the stored embeddings of every encoder, length and pooling; "
            "they are computed again when a run needs them"
        )
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label, 1)
        row.addWidget(self.clear_button)
        self.clear_button.clicked.connect(self._confirm_clear)
        self.refresh()

    @Slot()
    def refresh(self) -> None:
        """Read the store's size again (file headers only: cheap)."""
        status = caches.status(store.EMBEDDINGS_CACHE)
        vectors = store.stored_vectors()
        self.label.setText(
            f"Embeddings stored: {vectors:,} reviews · {caches.format_size(status.size_bytes)}"
        )
        self.label.setToolTip(f"{status.path}\n{status.detail}")
        self.clear_button.setEnabled(self.isEnabled() and status.size_bytes > 0)

    def set_busy(self, busy: bool) -> None:
        """Clearing is off while a job may be reading or writing the store."""
        self.setEnabled(not busy)
        self.refresh()

    @Slot()
    def _confirm_clear(self) -> None:
        status = caches.status(store.EMBEDDINGS_CACHE)
        answer = QMessageBox.question(
            self,
            "Clear the embedding store",
            f"Delete {store.stored_vectors():,} stored review embeddings "
            f"({caches.format_size(status.size_bytes)})? They are computed again when a run needs them.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        freed = caches.clear(CACHE)
        self.refresh()
        self.sig_cleared.emit(f"Embedding store cleared: {caches.format_size(freed)} freed")
