// Jest global setup for every workspace: make sure the test database exists on the real Postgres.
const { Client } = require('pg');

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/clinic_test';

module.exports = async function globalSetup() {
  const url = new URL(process.env.DATABASE_URL || DEFAULT_URL);
  const database = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } catch (error) {
    // Another workspace's run may have created it a moment ago.
    if (error.code !== '42P04' && error.code !== '23505') throw error;
  } finally {
    await client.end();
  }
};
