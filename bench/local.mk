# bench fragment: filled in by the owner of bench/
