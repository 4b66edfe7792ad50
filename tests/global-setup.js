// Jest global setup: compiles the C fixtures in tests/fixtures/ into build/fixtures/ (cached by mtime).
'use strict';

const { buildFixtures } = require('./fixtures/build');

module.exports = async function globalSetup() {
  buildFixtures();
};
