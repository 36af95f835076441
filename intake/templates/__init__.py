"""Learning a form's template from a blank (issue 17): ``sus-intake forms learn``.

The template model itself is data of the forms layer (:mod:`intake.forms.template`);
this package reads a blank (PDF or scan) and matches the form's widgets to its boxes.
"""
