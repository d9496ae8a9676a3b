// The phone's outbox: notes wait in IndexedDB until the server acknowledges them, across reloads
// and lost connections. Saved notes are deleted at once so no note text lingers on the phone.
(function () {
  "use strict";
  var DB_NAME = "cafe-outbox", STORE = "notes", memory = {};
  var opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve) {
      if (!window.indexedDB) { resolve(null); return; }
      var request;
      try { request = indexedDB.open(DB_NAME, 1); } catch (e) { resolve(null); return; }
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "client_id" });
        store.createIndex("slug", "slug");
      };
      request.onsuccess = function () { resolve(request.result); };
      // Private browsing on some phones refuses IndexedDB: fall back to memory for this page.
      request.onerror = function () { resolve(null); };
    });
    return opening;
  }

  function run(mode, work) {
    return open().then(function (db) {
      if (!db) return work(null);
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode), result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
        result = work(tx.objectStore(STORE));
      });
    });
  }

  function newClientId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return btoa(String.fromCharCode.apply(null, bytes))
      .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  window.CafeOutbox = {
    newClientId: newClientId,
    put: function (note) {
      return run("readwrite", function (store) {
        if (!store) { memory[note.client_id] = note; return; }
        store.put(note);
      });
    },
    remove: function (clientId) {
      return run("readwrite", function (store) {
        if (!store) { delete memory[clientId]; return; }
        store.delete(clientId);
      });
    },
    all: function (slug) {
      return open().then(function (db) {
        if (!db) {
          return Object.keys(memory).map(function (k) { return memory[k]; })
            .filter(function (n) { return n.slug === slug; });
        }
        return new Promise(function (resolve, reject) {
          var request = db.transaction(STORE).objectStore(STORE).index("slug").getAll(slug);
          request.onsuccess = function () {
            resolve(request.result.sort(function (a, b) { return a.created - b.created; }));
          };
          request.onerror = function () { reject(request.error); };
        });
      });
    }
  };
})();
