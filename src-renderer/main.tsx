import { createRoot } from 'react-dom/client';

function App() {
  return (
    <main>
      <h1>Fleetpack Studio</h1>
      <p>Drop a model to begin.</p>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(<App />);
