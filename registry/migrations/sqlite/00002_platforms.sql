-- +goose Up
INSERT INTO platforms (code, name, name_en, origin, category, hosts, active, created_at, updated_at) VALUES
('eitaa',     'ایتا',         'Eitaa',        'domestic', 'messenger',      'eitaa.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('rubika',    'روبیکا',       'Rubika',       'domestic', 'social_network', 'rubika.ir', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('bale',      'بله',          'Bale',         'domestic', 'messenger',      'ble.ir bale.ai', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('soroush',   'سروش پلاس',    'Soroush Plus', 'domestic', 'messenger',      'splus.ir soroushplus.com sapp.ir', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('igap',      'آی‌گپ',        'iGap',         'domestic', 'messenger',      'igap.net', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('aparat',    'آپارات',       'Aparat',       'domestic', 'video',          'aparat.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('virasty',   'ویراستی',      'Virasty',      'domestic', 'microblog',      'virasty.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('x',         'ایکس (توییتر)', 'X (Twitter)', 'foreign',  'microblog',      'x.com twitter.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('instagram', 'اینستاگرام',   'Instagram',    'foreign',  'social_network', 'instagram.com instagr.am', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('telegram',  'تلگرام',       'Telegram',     'foreign',  'messenger',      't.me telegram.me telegram.dog telegram.org', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('whatsapp',  'واتس‌اپ',      'WhatsApp',     'foreign',  'messenger',      'wa.me api.whatsapp.com whatsapp.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('facebook',  'فیس‌بوک',      'Facebook',     'foreign',  'social_network', 'facebook.com fb.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('youtube',   'یوتیوب',       'YouTube',      'foreign',  'video',          'youtube.com youtu.be', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('linkedin',  'لینکدین',      'LinkedIn',     'foreign',  'social_network', 'linkedin.com', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP),
('threads',   'تردز',         'Threads',      'foreign',  'microblog',      'threads.com threads.net', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP);

-- +goose Down
DELETE FROM platforms WHERE code IN ('eitaa','rubika','bale','soroush','igap','aparat','virasty','x','instagram','telegram','whatsapp','facebook','youtube','linkedin','threads');
