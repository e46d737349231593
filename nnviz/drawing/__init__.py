"""Every picture nnviz draws, from arrays (never from a network): colours, the decision boundary, the loss
curve, the network diagram (SVG, fast enough for every frame), and Matplotlib figures (once per click).
No Streamlit here."""
