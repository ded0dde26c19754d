import '@cloudscape-design/global-styles/index.css';
import { createRoot } from 'react-dom/client';
import { Root } from './app/root.js';

createRoot(document.getElementById('root')!).render(<Root />);
