# Search (issue 24): rebuild the search index from the tweet and user stores, in the
# mode the environment says (CHIRP_MODE and the backends' settings, as the services
# read them). Resumable (Ctrl-C, then run again) and safe while the services run.
#   make reindex                          resume, or start a new rebuild
#   make reindex REINDEX_ARGS=--restart   start over

REINDEX_ARGS ?=

.PHONY: reindex

reindex: gen ## Rebuild the search index from the tweet and user stores (resumable; REINDEX_ARGS=--restart)
	$(NODE) services/search/reindex/main.ts $(REINDEX_ARGS)
