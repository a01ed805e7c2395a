-- FTS5 keeps its index as segments and merges them lazily, by default once
-- four share a level; every query reads every segment. At a million customers
-- the default left ~17 segments, and a common term's page and count cost about
-- three times what they cost over merged ones. Merging two at a time keeps
-- fewer segments for a little more work per write; the index there is now is
-- merged once.
INSERT INTO `customers_fts`(`customers_fts`, `rank`) VALUES ('automerge', 2);
--> statement-breakpoint
INSERT INTO `customers_fts`(`customers_fts`) VALUES ('optimize');
