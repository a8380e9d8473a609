"""Deep Learning Lab engine: numpy, networkx and TensorFlow/Keras. Never imports Qt."""
