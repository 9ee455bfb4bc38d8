// The package main Nx loads (nx.json plugins: "@vast/plugin"): src/index.ts, run from its cached bundle (./loader.js).
'use strict';

module.exports = require('./loader').load(require('node:path').join(__dirname, 'src', 'index.ts'));
