"""Delivery to the national algorithm register (its submission API, "aanleverapi" v1_0).

client.py speaks the API, payloads.py maps our entries to its bodies, spec.py checks them
against its published description, sync.py decides what to send, views.py is the admin
page. See the README, "Delivery to the national register".
"""
