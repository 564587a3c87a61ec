/** The renderer's entry: Pinia, the LabClient for this transport, then the app. */
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createLabClient, setLabClient } from './api';
import { useConnectionStore } from './stores/connection';
import './styles.css';

const app = createApp(App);
app.use(createPinia());
setLabClient(createLabClient());
app.mount('#app');
void useConnectionStore().connect();
