jail_depth=three
