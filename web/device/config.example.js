// Copy to config.js beside index.html when hosting this page yourself. The local backend
// (`session local start`) serves no config.js: it inlines its settings in the page itself.
// The anon (or publishable) key is public: it is the key any web client of the project uses.
window.SESSION_DEVICE_CONFIG = {
  supabaseUrl: 'https://<project-ref>.supabase.co',
  anonKey: '<anon or publishable key>',
};
