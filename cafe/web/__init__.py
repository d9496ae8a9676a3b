"""HTTP blueprints, one per page family; `cafe.web.blueprints.register` puts them on the app."""
