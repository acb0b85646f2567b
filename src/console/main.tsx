/** The console's entry: mounts the app into #root (index.html loads this bundle as a module, no inline script). */
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './app.css';

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
