import { render } from 'preact';
import { browser } from '../../lib/ext/browser';
import { VIEW_PORT } from '../../lib/protocol/constants';
import { connectToBackground, type ViewPort } from '../../lib/views/background-client';
import { SettingsForm } from '../../components/settings/SettingsForm';

const client = connectToBackground(() => browser.runtime.connect({ name: VIEW_PORT }) as unknown as ViewPort);
render(<SettingsForm client={client} />, document.getElementById('app')!);
