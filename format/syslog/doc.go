// Package syslog decodes syslog files into events: the framing (RFC 3164 as
// rsyslog and syslog-ng write it to disk, with or without <PRI>, with classic
// or high-precision RFC 3339 stamps; and RFC 5424) and then the message of the
// programs that matter to an investigation: sshd, sudo, su, PAM, the
// shadow-utils account tools, systemd-logind, cron, postfix and dovecot.
//
// It registers two formats: "syslog" (auth.log, secure, messages, mail.log,
// maillog) and "syslog.5424". Both are stateless and never fail: a line with
// no syslog header becomes a raw event; a header with an unknown program or
// message keeps Kind system and its Message.
//
// RFC 3164 stamps carry no year: each line is placed in the latest year that
// does not put it more than a day after Options.RefTime (the current time when
// RefTime is zero), read in Options.Loc(). Times are stored in UTC.
//
// # Header fields
//
//	Time        the stamp, UTC
//	Host        HOSTNAME ("" when the writer left it out)
//	Process     the program as tagged ("sshd-session", "postfix/smtpd", "CRON")
//	PID         the [pid] of the tag, or RFC 5424 PROCID
//	Dataset     the program family (table below), "syslog" when untagged
//	Message     the text after the tag; for RFC 5424, MSG
//	Level       severity name from <PRI> ("err", "warning", ...), when present
//	Extra       log.syslog.facility.name, log.syslog.msgid,
//	            log.syslog.structured_data and syslog.sd.<id>.<param> (5424),
//	            syslog.repeated (N of rsyslog's "message repeated N times: [ ... ]",
//	            whose inner message is decoded)
//
// # Vocabulary
//
// Kind is system unless the table says otherwise; postfix and dovecot lines
// the table does not name are Kind mail (and email.message_id, mail.queue_id
// are still read from them). Peers that are names, not
// addresses (UseDNS, PAM rhost, postfix host[IP]) go to Extra source.domain.
//
//	Dataset (tags)         Kind     Action                      Outcome   fields
//	sshd (sshd,            auth     ssh_login                   success/  User, SourceIP, SourcePort, auth.method
//	 sshd-session,                                              failure   (password, publickey, none, keyboard-interactive),
//	 sshd-auth)                                                           user.invalid="true", ssh.key (accepted key)
//	                       auth     ssh_invalid_user            failure   User, SourceIP, SourcePort, user.invalid
//	                       auth     ssh_user_not_allowed        failure   User, SourceIP, event.reason
//	                       auth     ssh_max_auth_exceeded       failure   User, SourceIP, SourcePort
//	                       auth     ssh_disconnect              -         User, SourceIP, SourcePort, event.reason
//	                       auth     ssh_connection_closed       -         User, SourceIP, SourcePort
//	                       auth     ssh_connection              -         SourceIP, SourcePort
//	                       auth     ssh_no_identification       failure   SourceIP, SourcePort
//	                       auth     ssh_bad_banner              failure   SourceIP, SourcePort
//	                       auth     ssh_negotiation_failed      failure   SourceIP, SourcePort
//	                       auth     ssh_auth_timeout            failure   SourceIP, SourcePort
//	                       auth     ssh_connection_dropped      failure   SourceIP, SourcePort, event.reason (PerSourcePenalties)
//	                       auth     ssh_connection_refused      failure   SourceIP (tcp_wrappers)
//	                       auth     ssh_reverse_mapping_failed  failure   SourceIP, source.domain
//	                       auth     ssh_session_started         success   User, SourceIP, SourcePort, ssh.session
//	                       auth     pam_auth                    failure   "PAM N more authentication failures": auth.failures
//	                       auth     pam_max_retries             failure
//	                                (every line ends " [preauth]" adds ssh.preauth="true")
//	any (pam_unix(svc:type)  auth   pam_auth                    failure   User, SourceIP (rhost), pam.ruser, pam.tty, pam.logname,
//	 prefix, or an old                                                    user.invalid ("check pass; user unknown")
//	 "svc(pam_unix)" tag)  auth     session_opened              success   User (who opened it), TargetUser (as whom, when
//	                                                                      different: sudo, su)
//	                       auth     session_closed              success   User
//	                       auth     password_changed            success   TargetUser
//	                                (all PAM lines: pam.module, pam.service, pam.type)
//	sudo                   auth     sudo                        success/  User, TargetUser (USER=), CommandLine (COMMAND=),
//	                                                            failure   process.working_directory, process.tty, group.name,
//	                                                                      event.reason and auth.failures on failures
//	su                     auth     su                          success/  User, TargetUser, process.tty
//	                                                            failure
//	useradd, usermod,      auth     user_created                success   TargetUser, user.target.id, group.id, user.home,
//	 userdel, groupadd,                                                   user.shell, process.tty
//	 groupdel, groupmod,   auth     user_deleted, user_changed  success   TargetUser, event.reason (what changed)
//	 gpasswd, passwd,      auth     password_changed            success   TargetUser, User (when named)
//	 chpasswd, chage       auth     group_created, group_deleted success  group.name, group.id
//	                       auth     group_member_added,         success   TargetUser, group.name, User (gpasswd)
//	                                group_member_removed
//	systemd-logind         auth     session_opened              success   User, session.id
//	                       auth     session_closed,             success   session.id
//	                                session_logged_out
//	cron (CRON, crond),    process  cron_exec                   -         User, CommandLine
//	 crontab               auth     crontab_replaced,           success   User, TargetUser (whose crontab)
//	                                crontab_deleted
//	postfix (postfix/*)    mail     mail_connect,               -         SourceIP, source.domain, mail.queue_id
//	                                mail_disconnect,
//	                                mail_lost_connection
//	                       auth     mail_login                  success/  User (sasl_username), SourceIP, auth.method,
//	                                                            failure   event.reason
//	                       mail     mail_received               -         SourceIP (client=, without SASL)
//	                       mail     mail_queued                 -         email.from.address, email.size, email.recipients
//	                       mail     mail_sent                   success   email.to.address, email.to.original, mail.relay,
//	                       mail     mail_bounced, mail_deferred failure   mail.status, event.reason (server reply)
//	                       mail     mail_rejected               failure   SourceIP, email.from.address, email.to.address,
//	                                                                      network.protocol, mail.helo, event.reason
//	                       mail     mail_submitted              -         user.id, email.from.address (pickup)
//	                       mail     -                           -         email.message_id (cleanup)
//	dovecot                auth     mail_login                  success/  User, SourceIP (rip), destination.ip (lip),
//	                                                            failure   auth.method, network.protocol, session.id,
//	                                                                      event.reason
//	                       auth     mail_auth                   failure   User, SourceIP, auth.driver, event.reason
//	                                                                      (auth worker: unknown user, password mismatch)
//	                       mail     mail_logout                 -         User, network.protocol
//	ftpd, vsftpd, ...      auth     ftp_connection              -         SourceIP, source.domain
//	                       auth     ftp_login                   success   User ("anonymous"), SourceIP
//	login                  auth     console_login               success   User, process.tty ("ROOT LOGIN ON tty2")
package syslog
