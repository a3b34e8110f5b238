"""The web application: coders' and billers' screens and the JSON API (/api/v1). Start it with
`chartclaim serve`; build it in code with `chartclaim.web.app.create_app(settings, engine)`."""
