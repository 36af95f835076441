"""From what a reader saw to a validated document: :func:`~intake.mapping.interpret.
interpret_page` types every field of a page's reads, :func:`~intake.mapping.document.
build_document` checks the SPEC §3 rules and chooses what needs review."""
