"""The optional local language model: never required, never a cloud.

`backends` talks to a local OpenAI-compatible server or loads a GGUF file in-process; `tasks` says
what the model is asked (a theme's key point reworded, the summary paragraph, the recommendations,
an English gloss of a note for staff) and from which notes; `grounding` checks every generated
sentence against the notes it cites; `rewrite` runs the tasks, checks them and puts the accepted
sentences into a draft; `worker` runs a pass in its own process. Plain data in and out: no Flask,
no database.
"""
