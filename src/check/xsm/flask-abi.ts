/**
 * The FLASK interface Xen's hypervisor compiles in: object classes, their
 * permissions and the initial security identifiers, each list in Xen's
 * numbering (xen/xsm/flask/policy/security_classes, access_vectors,
 * initial_sids). A binary policy names classes and permissions by
 * position, so these orders are an ABI: a policy written with another order
 * grants other rights than it says. Checked against Xen 4.22's tree by
 * test/artifacts/xsm/flask-abi.test.ts when the source is present.
 */

/** Classes in Xen's order, each with its permissions in Xen's bit order (Xen 4.22). */
export const FLASK_CLASSES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['xen', 'settime tbufcontrol readconsole clearconsole perfcontrol mtrr_add mtrr_del mtrr_read microcode physinfo quirk writeconsole readapic writeapic kexec firmware sleep frequency getidle debug getcpuinfo heap pm_op mca_op lockprof cpupool_op hypfs_op getscheduler setscheduler'.split(' ')],
  ['xen2', 'resource_op psr_cmt_op psr_alloc get_symbol pmu_ctrl pmu_use get_cpu_featureset livepatch_op coverage_op get_dom0_console'.split(' ')],
  ['domain', 'setvcpucontext pause unpause resume create transition max_vcpus destroy setaffinity getaffinity getscheduler getdomaininfo getvcpuinfo getvcpucontext setdomainmaxmem setdomainhandle setdebugging hypercall settime set_target shutdown setaddrsize getaddrsize trigger getpodtarget setpodtarget set_misc_info set_virq_handler getpagingmempool setpagingmempool'.split(' ')],
  ['domain2', 'relabelfrom relabelto relabelself make_priv_for set_as_target set_cpu_policy gettsc settsc setscheduler setclaim cacheflush create_hardware_domain set_vnumainfo get_vnumainfo psr_cmt_op vm_event soft_reset mem_access mem_paging mem_sharing psr_alloc resource_map get_cpu_policy vuart_op dt_overlay set_llc_colors get_domain_state'.split(' ')],
  ['hvm', 'sethvmc gethvmc setparam getparam bind_irq hvmctl mem_sharing audit_p2m share_mem altp2mhvm altp2mhvm_op dm'.split(' ')],
  ['mmu', 'map_read map_write pageinfo adjust stat updatemp physmap pinpage memorymap remote_remap mmuext_op exchange target_hack'.split(' ')],
  ['resource', 'add remove use use_iommu use_iommu_nointremap use_noiommu add_irq remove_irq add_ioport remove_ioport add_iomem remove_iomem stat_device add_device remove_device plug unplug setup'.split(' ')],
  ['shadow', 'disable enable logdirty'.split(' ')],
  ['event', 'bind send status create reset'.split(' ')],
  ['grant', 'map_read map_write unmap transfer setup copy query'.split(' ')],
  ['security', 'compute_av compute_create compute_member check_context load_policy compute_relabel setenforce setbool setsecparam add_ocontext del_ocontext'.split(' ')],
  ['version', 'xen_extraversion xen_compile_info xen_capabilities xen_changeset xen_pagesize xen_guest_handle xen_commandline xen_build_id'.split(' ')],
  ['argo', 'enable register_single_source register_any_source send'.split(' ')],
];

/** Initial SIDs in Xen's order: the labels Xen gives before any policy rule applies. */
export const FLASK_INITIAL_SIDS: readonly string[] = 'xenboot xen dom0 domio domxen unlabeled security ioport iomem irq device domU domDM'.split(' ');

export function flaskPermissions(cls: string): readonly string[] | undefined {
  return FLASK_CLASSES.find(([c]) => c === cls)?.[1];
}
