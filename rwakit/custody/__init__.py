"""SafeProposals: the platform's roles held by a Safe (multi-signature), and maker-checker proposals that
execute as Safe transactions once enough owners approve. Sits above tokenize/ and registry/."""
