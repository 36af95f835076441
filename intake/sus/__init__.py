"""The SUS domain: option codes, personnummer, value parsing, the records of the three
forms and the rules of SPEC §3. It sits at the bottom of the layers: forms, mapping,
the service and ``sus_store`` import it; it imports nothing of theirs."""
