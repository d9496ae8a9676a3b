"""The staff synthesis workspace: runs, themes as staff have edited them, overrides, audit and undo.

Every change runs through the single Writer, and records in `synthesis_audit` who did what when with
the before and after state of what it touched (theme rows, memberships, overrides: ids, labels and
flags, never note text), so any change can be undone. The briefing and export work reads themes
through exactly two functions: `result.current_result(db, event_id)` and
`cloud_images.theme_cloud_png(db, theme_id)`. Import from the module that holds what you need.
"""
