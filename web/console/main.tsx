// The console's page: takes the run's token out of the URL, then renders the app into #app.
import { render } from 'preact';
import { takeToken } from './api.js';
import { App } from './App.js';

const token = takeToken();
const root = document.getElementById('app');
if (root) render(<App hasToken={token !== null} />, root);
