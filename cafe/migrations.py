"""Versioned schema migrations: (version, name, statements), applied in order, never edited once shipped."""

from __future__ import annotations

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "events, tables, rounds, frames, participants, notes, users",
        [
            """CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                slug TEXT NOT NULL UNIQUE,
                code TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL,
                plan_json TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
                current_round INTEGER NOT NULL DEFAULT 1,
                wall_token TEXT NOT NULL,
                wall_requires_approval INTEGER NOT NULL DEFAULT 1,
                retention_days INTEGER NOT NULL DEFAULT 90,
                k_threshold INTEGER NOT NULL DEFAULT 3,
                created_at TEXT NOT NULL,
                closed_at TEXT
            )""",
            """CREATE TABLE tables (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                name TEXT NOT NULL,
                capacity INTEGER NOT NULL,
                UNIQUE (event_id, number)
            )""",
            """CREATE TABLE rounds (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                question TEXT NOT NULL,
                minutes INTEGER NOT NULL,
                move INTEGER NOT NULL,
                content_warning TEXT NOT NULL DEFAULT '',
                UNIQUE (event_id, number)
            )""",
            """CREATE TABLE frames (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                seeds_json TEXT NOT NULL DEFAULT '[]',
                UNIQUE (event_id, name)
            )""",
            """CREATE TABLE participants (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                token_hash TEXT NOT NULL UNIQUE,
                pseudonym TEXT NOT NULL,
                table_no INTEGER,
                created_at TEXT NOT NULL,
                FOREIGN KEY (event_id, table_no) REFERENCES tables(event_id, number)
            )""",
            "CREATE INDEX participants_event ON participants(event_id)",
            """CREATE TABLE notes (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
                table_no INTEGER NOT NULL,
                round_no INTEGER NOT NULL,
                text TEXT NOT NULL,
                consent TEXT NOT NULL CHECK (consent IN ('quote', 'paraphrase', 'none')),
                status TEXT NOT NULL DEFAULT 'saved' CHECK (status IN ('saved', 'withdrawn')),
                wall TEXT NOT NULL DEFAULT 'pending'
                    CHECK (wall IN ('pending', 'approved', 'hidden')),
                flags_json TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                UNIQUE (event_id, client_id),
                FOREIGN KEY (event_id, table_no) REFERENCES tables(event_id, number),
                FOREIGN KEY (event_id, round_no) REFERENCES rounds(event_id, number)
            )""",
            "CREATE INDEX notes_event_table ON notes(event_id, table_no)",
            "CREATE INDEX notes_participant ON notes(participant_id)",
            """CREATE TABLE users (
                id INTEGER PRIMARY KEY,
                username TEXT NOT NULL UNIQUE COLLATE NOCASE,
                password_hash TEXT NOT NULL,
                role TEXT NOT NULL
                    CHECK (role IN ('admin', 'facilitator', 'staff', 'safeguarding')),
                disabled INTEGER NOT NULL DEFAULT 0,
                created_at TEXT NOT NULL
            )""",
            """CREATE TABLE user_sessions (
                id TEXT PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at TEXT NOT NULL,
                revoked_at TEXT
            )""",
        ],
    ),
    (
        2,
        "round clock and the pause-everyone message on events",
        [
            "ALTER TABLE events ADD COLUMN phase TEXT NOT NULL DEFAULT 'lobby' CHECK (phase IN "
            "('lobby', 'running', 'paused', 'ended', 'harvest', 'closed'))",
            "ALTER TABLE events ADD COLUMN started_at REAL",
            "ALTER TABLE events ADD COLUMN duration REAL NOT NULL DEFAULT 0",
            "ALTER TABLE events ADD COLUMN paused_at REAL",
            "ALTER TABLE events ADD COLUMN paused_total REAL NOT NULL DEFAULT 0",
            "ALTER TABLE events ADD COLUMN hold_message TEXT",
        ],
    ),
    (
        3,
        "safeguarding queue state on notes",
        [
            "ALTER TABLE notes ADD COLUMN sg_status TEXT "
            "CHECK (sg_status IN ('new', 'acknowledged', 'resolved'))",
            "ALTER TABLE notes ADD COLUMN sg_updated_by TEXT",
            "ALTER TABLE notes ADD COLUMN sg_updated_at TEXT",
            "CREATE INDEX notes_safeguarding ON notes(event_id, sg_status)",
        ],
    ),
    (
        4,
        "when an event's notes were purged",
        ["ALTER TABLE events ADD COLUMN purged_at TEXT"],
    ),
    (
        5,
        "round questions in several languages",
        ["ALTER TABLE rounds ADD COLUMN translations_json TEXT NOT NULL DEFAULT '{}'"],
    ),
    (
        6,
        "rotation: hosts, who cannot move, seats per round, insights, dot votes",
        [
            "ALTER TABLE participants ADD COLUMN host_table INTEGER",
            "ALTER TABLE participants ADD COLUMN cannot_move INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE events ADD COLUMN dots INTEGER NOT NULL DEFAULT 3",
            """CREATE TABLE seats (
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                round_no INTEGER NOT NULL,
                participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                table_no INTEGER NOT NULL,
                planned INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (event_id, round_no, participant_id)
            )""",
            """CREATE TABLE insights (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                client_id TEXT NOT NULL,
                participant_id INTEGER REFERENCES participants(id) ON DELETE SET NULL,
                table_no INTEGER NOT NULL,
                round_no INTEGER NOT NULL,
                text TEXT NOT NULL,
                flags_json TEXT NOT NULL DEFAULT '[]',
                created_at TEXT NOT NULL,
                UNIQUE (event_id, client_id)
            )""",
            "CREATE INDEX insights_event_table ON insights(event_id, table_no, round_no)",
            """CREATE TABLE dot_votes (
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
                insight_id INTEGER NOT NULL REFERENCES insights(id) ON DELETE CASCADE,
                dots INTEGER NOT NULL CHECK (dots > 0),
                PRIMARY KEY (participant_id, insight_id)
            )""",
            "CREATE INDEX dot_votes_event ON dot_votes(event_id)",
        ],
    ),
    (
        7,
        "synthesis workspace: runs, themes, membership, staff overrides, clouds, audit log",
        [
            """CREATE TABLE synthesis_runs (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                status TEXT NOT NULL DEFAULT 'queued'
                    CHECK (status IN ('queued', 'running', 'done', 'failed')),
                progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
                message TEXT NOT NULL DEFAULT '',
                params_json TEXT NOT NULL DEFAULT '{}',
                result_params_json TEXT,
                created_by TEXT NOT NULL,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                finished_at TEXT,
                pid INTEGER
            )""",
            "CREATE INDEX synthesis_runs_event ON synthesis_runs(event_id, id)",
            """CREATE TABLE synthesis_clouds (
                digest TEXT PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                png BLOB NOT NULL
            )""",
            """CREATE TABLE themes (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                run_id INTEGER REFERENCES synthesis_runs(id) ON DELETE SET NULL,
                key TEXT NOT NULL,
                label TEXT NOT NULL,
                key_phrases_json TEXT NOT NULL DEFAULT '[]',
                frame TEXT,
                word_weights_json TEXT NOT NULL DEFAULT '{}',
                representatives_json TEXT NOT NULL DEFAULT '[]',
                cloud_digest TEXT REFERENCES synthesis_clouds(digest),
                locked INTEGER NOT NULL DEFAULT 0,
                active INTEGER NOT NULL DEFAULT 1,
                position INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX themes_event ON themes(event_id, active, position)",
            """CREATE TABLE theme_notes (
                note_id INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE,
                theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE
            )""",
            "CREATE INDEX theme_notes_theme ON theme_notes(theme_id)",
            """CREATE TABLE note_overrides (
                note_id INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                moved INTEGER NOT NULL DEFAULT 0,
                excluded INTEGER NOT NULL DEFAULT 0,
                pinned INTEGER NOT NULL DEFAULT 0
            )""",
            "CREATE INDEX note_overrides_event ON note_overrides(event_id)",
            """CREATE TABLE synthesis_audit (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                actor TEXT NOT NULL,
                at TEXT NOT NULL,
                action TEXT NOT NULL,
                detail_json TEXT NOT NULL DEFAULT '{}',
                before_json TEXT NOT NULL,
                after_json TEXT NOT NULL,
                undoes INTEGER REFERENCES synthesis_audit(id),
                undone_by INTEGER REFERENCES synthesis_audit(id)
            )""",
            "CREATE INDEX synthesis_audit_event ON synthesis_audit(event_id, id)",
        ],
    ),
    (
        8,
        "briefing drafts with their version history",
        [
            """CREATE TABLE briefing_drafts (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                title TEXT NOT NULL,
                selection_json TEXT NOT NULL DEFAULT '{}',
                markdown TEXT NOT NULL,
                generated_markdown TEXT NOT NULL,
                source_json TEXT NOT NULL DEFAULT '{}',
                revision INTEGER NOT NULL DEFAULT 1,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                updated_by TEXT
            )""",
            "CREATE INDEX briefing_drafts_event ON briefing_drafts(event_id)",
            """CREATE TABLE briefing_versions (
                id INTEGER PRIMARY KEY,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                draft_id INTEGER NOT NULL REFERENCES briefing_drafts(id) ON DELETE CASCADE,
                number INTEGER NOT NULL,
                markdown TEXT NOT NULL,
                reason TEXT NOT NULL
                    CHECK (reason IN ('generated', 'edited', 'restored', 'regenerated')),
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL,
                created_by TEXT,
                UNIQUE (draft_id, number)
            )""",
        ],
    ),
    (
        9,
        "participants can leave the café (and come back)",
        ["ALTER TABLE participants ADD COLUMN left_at TEXT"],
    ),
    (
        10,
        "synthesis: cancelled runs, staff-given theme names kept through re-runs",
        [
            # A cancelled run is stored as failed (the status CHECK stays) with who cancelled it.
            "ALTER TABLE synthesis_runs ADD COLUMN cancelled_by TEXT",
            # named: the label was given by staff; name_from: the theme of an earlier run whose
            # staff-given name a re-run carried onto this one.
            "ALTER TABLE themes ADD COLUMN named INTEGER NOT NULL DEFAULT 0",
            "ALTER TABLE themes ADD COLUMN name_from INTEGER",
            """UPDATE themes SET named = 1 WHERE id IN (
                SELECT json_extract(detail_json, '$.theme') FROM synthesis_audit
                WHERE action = 'rename' AND undone_by IS NULL)""",
        ],
    ),
    (
        11,
        "synthesis: sentence embeddings of notes (gone with the note's text) and frames kept for re-runs",
        [
            # A note's embedding by the local sentence model `model` (its directory), float32.
            # It goes with the note (purge, ON DELETE CASCADE), and the trigger drops it the
            # moment the note's text, flags or status change (edit, redaction, withdrawal,
            # disclosure), so no vector outlives the text it came from.
            """CREATE TABLE note_embeddings (
                note_id INTEGER PRIMARY KEY REFERENCES notes(id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                model TEXT NOT NULL,
                vector BLOB NOT NULL
            )""",
            """CREATE TRIGGER note_embeddings_forget AFTER UPDATE OF text, flags_json, status
                ON notes BEGIN DELETE FROM note_embeddings WHERE note_id = NEW.id; END""",
            # The event's frame names and seed phrases (staff's words, from the plan), by text.
            """CREATE TABLE frame_embeddings (
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                model TEXT NOT NULL,
                text TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY (event_id, model, text)
            )""",
        ],
    ),
    (
        12,
        "hosts' key insights are moderated like notes: on the wall and up for votes once approved",
        [
            # pending until the facilitator approves (or at once when the event needs no
            # approval and nothing is flagged); hidden for possible disclosures and when hidden.
            "ALTER TABLE insights ADD COLUMN wall TEXT NOT NULL DEFAULT 'pending' "
            "CHECK (wall IN ('pending', 'approved', 'hidden'))",
            "ALTER TABLE insights ADD COLUMN updated_at TEXT",
            # Insights shared before this version were shown at once: held ones stay hidden,
            # the others wait for the facilitator like any new one.
            """UPDATE insights SET wall = 'hidden' WHERE flags_json LIKE '%disclosure%'""",
        ],
    ),
    (
        13,
        "security: host links keyed apart from the wall, idle staff sessions, stored login failures",
        [
            # Host links were keyed with the wall token, so anyone who saw the wall's address
            # could host any table. Each event gets its own host secret (printed host cards made
            # before this version stop working: print them again).
            "ALTER TABLE events ADD COLUMN host_token TEXT",
            "UPDATE events SET host_token = lower(hex(randomblob(16))) WHERE host_token IS NULL",
            """CREATE TRIGGER events_host_token AFTER INSERT ON events
                WHEN NEW.host_token IS NULL BEGIN
                UPDATE events SET host_token = lower(hex(randomblob(16))) WHERE id = NEW.id; END""",
            # When a login session was last used, for the idle limit (cafe/settings.py).
            "ALTER TABLE user_sessions ADD COLUMN last_seen_at TEXT",
            # Failed logins, kept in the database so a restart or another worker does not forget
            # them: key is the user name and address, or the address alone; at is seconds since
            # the epoch.
            """CREATE TABLE login_failures (
                key TEXT NOT NULL,
                at REAL NOT NULL
            )""",
            "CREATE INDEX login_failures_key ON login_failures(key, at)",
        ],
    ),
    (
        14,
        "hosts per table: seat 1 or the host link, and how the facilitator recognises the host",
        [
            # Who hosts a table: 'seat' (the default: whoever sits at seat 1, who says so on
            # their phone) or 'link' (whoever opens the table's host link).
            "ALTER TABLE tables ADD COLUMN host_by TEXT NOT NULL DEFAULT 'seat' "
            "CHECK (host_by IN ('seat', 'link'))",
            # How a host became host ('link', 'seat' or 'console') and the words they gave so
            # the facilitator knows them (a first name, "red scarf"): for the console only.
            "ALTER TABLE participants ADD COLUMN host_via TEXT",
            "ALTER TABLE participants ADD COLUMN host_label TEXT",
        ],
    ),
    (
        15,
        "synthesis: sentence embeddings of what key points are picked from, kept by the worker",
        [
            # After a run that read the notes for meaning, the worker also embeds each note as
            # the briefing reads it (redacted) and its sentences that may stand as a key point,
            # so drafts and the workspace pick key points by the sentence model without loading
            # it into the server. `digest` is the SHA-256 of the embedded text. Like
            # note_embeddings, a row goes with its note and the moment the note's text, flags
            # or status change.
            """CREATE TABLE note_text_embeddings (
                note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
                event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,
                model TEXT NOT NULL,
                digest TEXT NOT NULL,
                vector BLOB NOT NULL,
                PRIMARY KEY (note_id, model, digest)
            )""",
            "CREATE INDEX note_text_embeddings_event ON note_text_embeddings(event_id, model)",
            """CREATE TRIGGER note_text_embeddings_forget AFTER UPDATE OF text, flags_json, status
                ON notes BEGIN DELETE FROM note_text_embeddings WHERE note_id = NEW.id; END""",
        ],
    ),
]
