// The services, built once from the dependencies.
import type { ApiDeps } from '../deps';
import { AddPhoneService } from './add-phone';
import { AvatarStore } from './avatars';
import { CircleService } from './circles';
import { ContactService } from './contacts';
import { EmailSignupService } from './email-signup';
import { LinkService } from './links';
import { PasswordService } from './passwords';
import { PhoneSignupService } from './phone-signup';
import { SessionService } from './sessions';

export interface Services {
  deps: ApiDeps;
  links: LinkService;
  sessions: SessionService;
  contacts: ContactService;
  phone: PhoneSignupService;
  addPhone: AddPhoneService;
  email: EmailSignupService;
  passwords: PasswordService;
  circles: CircleService;
  avatars: AvatarStore;
}

export function buildServices(d: ApiDeps): Services {
  const links = new LinkService(d.settings.keys.links, d.repos.actions, d.clock, d.settings.publicUrl);
  const sessions = new SessionService(d);
  const contacts = new ContactService(d);
  const phone = new PhoneSignupService(d, sessions, contacts);
  return {
    deps: d, links, sessions, contacts, phone,
    addPhone: new AddPhoneService(d, phone, sessions, contacts),
    email: new EmailSignupService(d, links),
    passwords: new PasswordService(d, links, sessions, phone),
    circles: new CircleService(d, links, phone),
    avatars: new AvatarStore(d.settings.avatarDir),
  };
}
