"""The load stage: an input file becomes pages — a digitally filled PDF page as its
widget values (``inputs``, ``pdftext``), every other page as grey pixels decoded or
rendered (``render``) — and a digital page is told which form it is (``digital``)."""
