// Imported first by benchmarks that measure CPU: libraries read NODE_ENV when they load (graphql-js checks
// every instanceOf across realms outside production), so it must be set before any of them is imported.
// Production is what the services run with (Dockerfile, Kubernetes); an explicit NODE_ENV is kept.
process.env.NODE_ENV ??= 'production';
