"""Existing SPARQL stores: what each kind needs (:mod:`kg.stores.profiles`), an HTTP
client for them (:mod:`kg.stores.client`), and publishing a build to one
(:mod:`kg.stores.publish`)."""
