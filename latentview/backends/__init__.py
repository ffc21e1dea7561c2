"""Heavy adapters (torch, torchvision, gensim, umap, Pillow); each imports its library lazily."""
