"""Personal data kept only as long as the consent says (PIPA): the retention purge and its command."""
