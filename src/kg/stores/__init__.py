"""Existing SPARQL stores: what each kind needs (:mod:`kg.stores.profiles`), an HTTP
client for them (:mod:`kg.stores.client`), the publication marker that says which build
a store holds (:mod:`kg.stores.marker`), and publishing a build to one
(:mod:`kg.stores.publish`)."""
