// Component-test setup: unmount between tests so urql clients and timers never leak.
import { afterEach } from 'vitest';
import { cleanup } from '@testing-library/react';

afterEach(() => cleanup());
