import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The Tauri shell serves ui/dist from the binary; the dev server port matches tauri.conf.json.
export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: { outDir: 'dist', target: 'es2021', chunkSizeWarningLimit: 1500 },
  test: {
    environment: 'jsdom',
    globals: true,
  },
});
