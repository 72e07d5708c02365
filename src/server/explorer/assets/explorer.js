// Kept out of the HTML so that the page's Content-Security-Policy can refuse every inline script.
(function () {
  'use strict';

  // The page is served at the GraphQL endpoint itself, whatever prefix a proxy puts in front of it.
  var endpoint = window.location.origin + window.location.pathname;
  var fetchGraphQL = GraphiQL.createFetcher({ url: endpoint });

  var NEEDS_TOKEN =
    'The schema is read with your token: put {"authorization": "Bearer <token>"} in the Headers tab, ' +
    'then re-fetch the schema (Shift+Ctrl+R). In production, introspection is off and the docs stay empty.';

  function hasAuthorization(headers) {
    return Object.keys(headers || {}).some(function (name) {
      return name.toLowerCase() === 'authorization' && /\S/.test(String(headers[name]).replace(/^Bearer\s*/i, ''));
    });
  }

  // Without a token the gateway refuses introspection, and each refusal counts against this address's
  // failed-authentication budget: the schema is not asked for until a token is there.
  function fetcher(params, options) {
    if (params.operationName === 'IntrospectionQuery' && !hasAuthorization(options && options.headers)) {
      return Promise.resolve({ errors: [{ message: NEEDS_TOKEN }] });
    }
    return fetchGraphQL(params, options);
  }

  // GraphiQL's history saves each run's headers (the bearer token) to its storage whatever
  // shouldPersistHeaders says: give it storage that ends with the tab, so nothing reaches localStorage.
  var memory = {};
  var tabStorage = {
    getItem: function (key) {
      return Object.prototype.hasOwnProperty.call(memory, key) ? memory[key] : null;
    },
    setItem: function (key, value) {
      memory[key] = String(value);
    },
    removeItem: function (key) {
      delete memory[key];
    },
    clear: function () {
      memory = {};
    },
    key: function (index) {
      return Object.keys(memory)[index] || null;
    },
    get length() {
      return Object.keys(memory).length;
    },
  };

  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: tabStorage,
      defaultEditorToolsVisibility: 'headers',
      defaultHeaders: '{\n  "authorization": "Bearer "\n}',
      // A bearer token must not outlive the tab in localStorage.
      shouldPersistHeaders: false,
      defaultQuery:
        '# Paste a token (npm run token -- --role COMPLIANCE_AUDITOR) into the Headers tab below, then run:\n' +
        '{\n  me {\n    id\n    roles\n  }\n}\n',
    }),
  );
})();
