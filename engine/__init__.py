"""Deep Learning Lab engine: numpy, networkx and TensorFlow/Keras. Never imports Qt."""

from engine import native_stderr

native_stderr.install()  # TensorFlow's import-time CUDA/absl notices stay off the terminal
