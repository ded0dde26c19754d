import '@cloudscape-design/global-styles/index.css';
import { createRoot } from 'react-dom/client';
import { Root } from './app/root.js';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(<Root />);
