"""Documents from outside the corpus folder.

- `riksdagen`: the client of Riksdagen's open data (listings, document status, files), polite and
  tolerant of the service's quirks.
- `fetch`: identifiers (`SOU 2020:19`, `SFS 2017:30`) or a listing search → files on disk with
  their metadata in the manifest the ingest reads. Ingesting them is the caller's step
  (`policykb.ingest.fetch`), since the ingest sits above this package in the house.
- `watch`: polling a folder for new, changed and deleted files; what to do with them is passed in.
"""
