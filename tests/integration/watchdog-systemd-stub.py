#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# A stub of the part of org.freedesktop.systemd1 that lastgood-watchdog
# reads: Manager.GetUnit/Subscribe, the JobRemoved signal, and the
# ActiveState/Job properties of units. Tests drive it through
# org.lastgood.Test.SetUnit(unit, state, job) on the same bus.
#
# With --private=PATH it is no client of a bus but, as systemd's
# /run/systemd/private, a D-Bus server on the socket PATH: every client is
# a direct peer-to-peer connection (no daemon, no Hello, no names, signals
# without a sender), and the tests drive it over one too (dbus-send --peer).
#
# usage: watchdog-systemd-stub.py READY_FILE [--private=PATH] [UNIT=STATE ...]
import os
import sys

import dbus
import dbus.connection
import dbus.server
import dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

BUS = "org.freedesktop.systemd1"
PATH = "/org/freedesktop/systemd1"
MANAGER = "org.freedesktop.systemd1.Manager"
UNIT = "org.freedesktop.systemd1.Unit"
PROPS = "org.freedesktop.DBus.Properties"


def unit_path(name):
    out = []
    for ch in name:
        if ch.isalnum():
            out.append(ch)
        else:
            out.append("_%02x" % ord(ch))
    return PATH + "/unit/" + "".join(out)


class Unit(dbus.service.Object):
    SUPPORTS_MULTIPLE_CONNECTIONS = True

    def __init__(self, conns, name, state, job):
        self.name = name
        self.state = state
        self.job = job
        dbus.service.Object.__init__(self)
        for conn in conns:
            self.add_to_connection(conn, unit_path(name))

    def props(self):
        job = dbus.Struct((dbus.UInt32(self.job), dbus.ObjectPath(
            PATH + "/job/%d" % self.job if self.job else "/")), signature="uo")
        return {"Id": dbus.String(self.name), "ActiveState": dbus.String(self.state), "Job": job}

    @dbus.service.method(PROPS, in_signature="ss", out_signature="v")
    def Get(self, iface, prop):
        p = self.props()
        if iface != UNIT or prop not in p:
            raise dbus.exceptions.DBusException("no such property", name="org.freedesktop.DBus.Error.UnknownProperty")
        return p[prop]

    @dbus.service.method(PROPS, in_signature="s", out_signature="a{sv}")
    def GetAll(self, iface):
        return self.props() if iface == UNIT else {}


class Manager(dbus.service.Object):
    SUPPORTS_MULTIPLE_CONNECTIONS = True

    def __init__(self):
        self.conns = []
        self.units = {}
        self.subscribed = 0
        self.next_job = 100
        dbus.service.Object.__init__(self)

    def add_connection(self, conn):
        """Serve the manager and every unit on conn (a bus or a peer)."""
        self.conns.append(conn)
        self.add_to_connection(conn, PATH)
        for unit in self.units.values():
            unit.add_to_connection(conn, unit_path(unit.name))

    def drop_connection(self, conn):
        if conn in self.conns:
            self.conns.remove(conn)
            self.remove_from_connection(conn)
            for unit in self.units.values():
                unit.remove_from_connection(conn)

    def set_unit(self, name, state, job=0):
        if name in self.units:
            self.units[name].state = state
            self.units[name].job = job
        else:
            self.units[name] = Unit(self.conns, name, state, job)

    @dbus.service.method(MANAGER, in_signature="s", out_signature="o")
    def GetUnit(self, name):
        if name not in self.units:
            raise dbus.exceptions.DBusException("Unit %s not loaded." % name,
                                                name="org.freedesktop.systemd1.NoSuchUnit")
        return dbus.ObjectPath(unit_path(name))

    @dbus.service.method(MANAGER, in_signature="", out_signature="")
    def Subscribe(self):
        self.subscribed += 1

    @dbus.service.signal(MANAGER, signature="uoss")
    def JobRemoved(self, id, path, unit, result):
        pass

    @dbus.service.method("org.lastgood.Test", in_signature="ssu", out_signature="")
    def SetUnit(self, name, state, job):
        self.set_unit(name, state, job)

    @dbus.service.method("org.lastgood.Test", in_signature="ss", out_signature="")
    def FinishJob(self, name, result):
        """A job for the unit ends with result; done means it is active now."""
        if result == "done":
            self.set_unit(name, "active")
        self.next_job += 1
        self.JobRemoved(dbus.UInt32(self.next_job), dbus.ObjectPath(PATH + "/job/%d" % self.next_job),
                        name, result)

    @dbus.service.method("org.lastgood.Test", in_signature="", out_signature="u")
    def Subscribers(self):
        return self.subscribed


def main():
    DBusGMainLoop(set_as_default=True)
    args = sys.argv[2:]
    private = None
    if args and args[0].startswith("--private="):
        private = args.pop(0)[len("--private="):]
    manager = Manager()
    keep = []
    if private:
        # As PID 1 serves /run/systemd/private: a listening socket, each
        # client a peer. The socket is made before READY, so that the test
        # may start the daemon right away.
        # D-Bus address escaping: bytes outside [-0-9A-Za-z_/.\\] as %xx.
        escaped = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_/.\\") else
                          "".join("%%%02x" % b for b in ch.encode()) for ch in private)
        server = dbus.server.Server("unix:path=" + escaped)

        def connected(conn):
            manager.add_connection(conn)
            conn.call_on_disconnection(manager.drop_connection)

        server.on_connection_added.append(connected)
        keep.append(server)
        if not os.path.exists(private):
            raise SystemExit("no socket at " + private)
    else:
        bus = dbus.SessionBus()
        manager.add_connection(bus)
        keep.append(dbus.service.BusName(BUS, bus))
    for arg in args:
        name, state = arg.split("=", 1)
        manager.set_unit(name, state)
    with open(sys.argv[1], "w") as f:
        f.write("ready\n")
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
