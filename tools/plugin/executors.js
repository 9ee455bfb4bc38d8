// What executors.json points at ("./executors.js#<name>"): each executor's default export, bundled on first use (./loader.js).
'use strict';

const { join } = require('node:path');
const { load } = require('./loader');

// Getters, so a task compiles and loads only the executor it runs.
const executor = (name) => ({ enumerable: true, get: () => load(join(__dirname, 'src', 'executors', name, 'executor.ts')).default });

module.exports = Object.defineProperties(
  {},
  {
    build: executor('build'),
    lint: executor('lint'),
    'docker-build': executor('docker-build'),
    smoke: executor('smoke'),
    'local-root': executor('local-root'),
    'docker-push': executor('docker-push'),
  },
);
